import { ConfigError, isAuthbusError } from '@authbus/common';
import { parseInteger } from '@authbus/service-kit';

describe('parseInteger', () => {
  const range = { min: 1, max: 8 };

  it('reads an integer within the range, and the default when unset or blank', () => {
    expect(parseInteger('1', 'TICKETS_REPLICAS', range, 2)).toBe(1);
    expect(parseInteger(' 8 ', 'TICKETS_REPLICAS', range, 2)).toBe(8);
    expect(parseInteger(undefined, 'TICKETS_REPLICAS', range, 2)).toBe(2);
    expect(parseInteger('', 'TICKETS_REPLICAS', range, 2)).toBe(2);
  });

  it('throws a ConfigError naming the variable, the value and the range', () => {
    for (const value of ['0', '9', '1.5', 'two']) {
      let thrown: unknown;
      try {
        parseInteger(value, 'TICKETS_REPLICAS', range, 2);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(ConfigError);
      expect(isAuthbusError(thrown) && thrown.message).toBe(
        `TICKETS_REPLICAS="${value}" must be an integer from 1 to 8`,
      );
    }
  });
});
