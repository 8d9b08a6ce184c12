import { parseList } from '@authbus/service-kit';

describe('parseList', () => {
  it('splits on commas, trims, and drops empty entries', () => {
    expect(parseList(' https://a.example ,, https://b.example,')).toEqual(['https://a.example', 'https://b.example']);
    expect(parseList(undefined)).toEqual([]);
    expect(parseList('')).toEqual([]);
  });

  it('lower-cases entries when asked (emails)', () => {
    expect(parseList(' Root@Example.com ,ops@example.com', { lowercase: true })).toEqual([
      'root@example.com',
      'ops@example.com',
    ]);
  });
});
