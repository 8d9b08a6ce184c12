import { parsePort } from '@authbus/service-kit';

describe('parsePort', () => {
  it('reads a port from 0 (any free port) to 65535', () => {
    expect(parsePort('3001', 'PORT', 1)).toBe(3001);
    expect(parsePort('0', 'PORT', 1)).toBe(0);
    expect(parsePort('65535', 'PORT', 1)).toBe(65535);
  });

  it('uses the default when the variable is unset or blank', () => {
    expect(parsePort(undefined, 'PORT', 3002)).toBe(3002);
    expect(parsePort('', 'PORT', 3002)).toBe(3002);
    expect(parsePort('  ', 'GATEWAY_PORT', 3000)).toBe(3000);
  });

  it.each(['eighty', '-1', '65536', '30.5', '3000x'])('refuses %j, naming the variable', (value) => {
    expect(() => parsePort(value, 'GATEWAY_PORT', 3000)).toThrow(
      new RegExp(`^GATEWAY_PORT="${value.replace('.', '\\.')}" must be an integer from 0 to 65535$`),
    );
  });
});
