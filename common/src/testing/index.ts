/**
 * `@authbus/common/testing`: real servers and signed cookies for tests of services built on authbus.
 */
export { startNatsServer, NATS_SERVER_MISSING } from './nats-server';
export type { NatsServerHandle, NatsServerOptions } from './nats-server';
export { startNatsCluster } from './nats-cluster';
export type { NatsClusterHandle, NatsClusterNode, NatsClusterOptions } from './nats-cluster';
export { freePort } from './free-port';
export { isPortOpen } from './port-open';
export { waitFor } from './wait-for';
export type { WaitForOptions } from './wait-for';
export { TEST_JWT_SECRET, testKeyRing, signTestToken, testSessionCookie, sessionCookieHeader } from './test-tokens';
export type { TestUser } from './test-tokens';
export { generateServiceKeyPair } from './service-keys';
export type { ServiceKeyPair } from './service-keys';
export { startTcpProxy } from './tcp-proxy';
export type { TcpProxyHandle } from './tcp-proxy';
export { startAuthBus } from './auth-bus';
export type { AuthBus } from './auth-bus';
export { sessionCookieFrom, tokenOfCookie, claimsOfCookie } from './session-cookies';
export { describe as describeNatsStatus } from '../nats/connection-state';
export { startTestIdentityProvider } from './identity-provider';
export type { TestIdentityProvider } from './identity-provider';
