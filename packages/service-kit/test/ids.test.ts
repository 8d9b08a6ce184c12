import { isId, newId } from '@authbus/service-kit';

describe('ids', () => {
  it('makes ObjectId hex ids that sort by creation and are all different', () => {
    const ids = Array.from({ length: 1000 }, () => newId());
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{24}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('tells an id of ours from anything else without a store', () => {
    expect(isId(newId())).toBe(true);
    for (const value of ['', 'x', '0'.repeat(23), '0'.repeat(25), 'G'.repeat(24), 'ABCDEF0123456789ABCDEF01'])
      expect(isId(value)).toBe(false);
  });
});
