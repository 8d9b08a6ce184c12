/**
 * The MongoDB the Mongo suites use (see global-setup.ts), or undefined when none could be had.
 * Use `describeMongo` for those suites: it is `describe` when there is a mongod, else
 * `describe.skip` (global setup printed why, once).
 */
export const testMongoUri: string | undefined = process.env.AUTHBUS_TEST_MONGO_URI;

export const describeMongo: jest.Describe = testMongoUri ? describe : describe.skip;

/** A database of its own for one suite, on the shared server. */
export function mongoUriFor(database: string): string {
  const url = new URL(testMongoUri!);
  url.pathname = `/${database}`;
  return url.toString();
}
