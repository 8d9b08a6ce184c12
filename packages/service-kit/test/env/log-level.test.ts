import { LOG_LEVELS, parseLogLevel } from '@authbus/service-kit';

describe('parseLogLevel', () => {
  it("reads pino's levels in any case, info when unset", () => {
    for (const level of LOG_LEVELS) expect(parseLogLevel(level)).toBe(level);
    expect(parseLogLevel('DEBUG')).toBe('debug');
    expect(parseLogLevel(undefined)).toBe('info');
    expect(parseLogLevel('')).toBe('info');
  });

  it('refuses a level pino does not know, naming the variable', () => {
    expect(() => parseLogLevel('verbose')).toThrow(
      /^LOG_LEVEL="verbose" must be one of fatal, error, warn, info, debug, trace, silent$/,
    );
  });
});
