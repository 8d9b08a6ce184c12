/** One jest run for the whole workspace; tests import `@authbus/common` and `@authbus/service-kit` from their sources. */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json' }] },
  moduleNameMapper: {
    '^@authbus/common$': '<rootDir>/common/src/index.ts',
    '^@authbus/common/testing$': '<rootDir>/common/src/testing/index.ts',
    '^@authbus/service-kit$': '<rootDir>/packages/service-kit/src/index.ts',
  },
  testMatch: ['<rootDir>/**/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '<rootDir>/scratch/'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  maxWorkers: 2,
  testTimeout: 30_000,
};
