export { startStack } from './stack';
export type { Stack, StackOptions } from './stack';
export { ServiceProcess } from './service-process';
export type { ServiceProcessOptions } from './service-process';
export { createGateway } from './gateway';
export type { GatewayRoute } from './gateway';
export { startEmbeddedMongo } from './embedded-mongo';
export type { EmbeddedMongo } from './embedded-mongo';
