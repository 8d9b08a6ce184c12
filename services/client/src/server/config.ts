import { parseLogLevel, parsePort, type RunnableConfig } from '@authbus/service-kit';

/** The web client's configuration: it serves files, so only where and how loudly. */
export type ClientConfig = RunnableConfig;

/** The environment variables the web client reads. */
export interface ClientEnv {
  PORT?: string | undefined;
  LOG_LEVEL?: string | undefined;
}

/** Read and validate the configuration; throws `ConfigError` naming the variable at fault. */
export function loadConfig(env: ClientEnv = process.env): ClientConfig {
  return { port: parsePort(env.PORT, 'PORT', 3003), logLevel: parseLogLevel(env.LOG_LEVEL) };
}
