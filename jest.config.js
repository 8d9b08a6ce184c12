/** One jest run for the whole workspace; tests import `@authbus/common` and `@authbus/service-kit` from their sources. */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json' }] },
  moduleNameMapper: {
    '^@authbus/common$': '<rootDir>/common/src/index.ts',
    '^@authbus/common/issuer$': '<rootDir>/common/src/issuer/index.ts',
    '^@authbus/common/testing$': '<rootDir>/common/src/testing/index.ts',
    '^@authbus/local$': '<rootDir>/local/src/index.ts',
    '^@authbus/test-support$': '<rootDir>/packages/test-support/src/index.ts',
    '^@authbus/(auth|tickets)/config$': '<rootDir>/services/$1/src/config.ts',
    '^@authbus/bench/stats$': '<rootDir>/bench/src/stats.ts',
    '^@authbus/service-kit$': '<rootDir>/packages/service-kit/src/index.ts',
  },
  testMatch: ['<rootDir>/**/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '<rootDir>/scratch/'],
  globalSetup: '<rootDir>/packages/test-support/src/global-setup.ts',
  globalTeardown: '<rootDir>/packages/test-support/src/global-teardown.ts',
  maxWorkers: 2,
  testTimeout: 30_000,
};
