import { parseBoolean } from '@authbus/service-kit';

describe('parseBoolean', () => {
  it.each(['true', 'TRUE', 'True', '1', 'yes', 'YES'])('reads %j as true', (value) => {
    expect(parseBoolean(value, 'COOKIE_SECURE', false)).toBe(true);
  });

  it.each(['false', 'FALSE', '0', 'no', 'No'])('reads %j as false', (value) => {
    expect(parseBoolean(value, 'COOKIE_SECURE', true)).toBe(false);
  });

  it('uses the default when unset or blank', () => {
    expect(parseBoolean(undefined, 'COOKIE_SECURE', true)).toBe(true);
    expect(parseBoolean('', 'COOKIE_SECURE', false)).toBe(false);
  });

  it('refuses anything else, naming the variable', () => {
    expect(() => parseBoolean('maybe', 'COOKIE_SECURE', true)).toThrow('COOKIE_SECURE="maybe" must be true or false');
    expect(() => parseBoolean('on', 'COOKIE_SECURE', true)).toThrow(/COOKIE_SECURE/);
  });
});
