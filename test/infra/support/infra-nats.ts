import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startNatsServer, type NatsServerHandle } from '@authbus/common/testing';
import { NATS_CONF } from './paths';

/** A test nats-server running infra/nats/nats.conf, and its monitoring endpoint. */
export interface InfraNats extends NatsServerHandle {
  readonly monitorUrl: string;
}

/** Variations on the cluster's server, for tests that need one. */
export interface InfraNatsOptions {
  /** The config file's text; default infra/nats/nats.conf as it is (e.g. with a reader account added). */
  config?: string;
  /** Client address; default 127.0.0.1. `0.0.0.0` listens on every interface, as in the pod. */
  host?: string;
}

/**
 * Start nats-server with the cluster's config file, on free ports (client and monitor, so runs in
 * parallel don't collide), with `env` as the container would have it (the passwords and server
 * name the config reads). The helper spawns with the test process's real environment, which a
 * test cannot change (jest gives it a copy), so a small launcher script sets the variables and
 * execs nats-server; it lives in a private temp folder removed by `stop()`.
 */
export async function startInfraNats(env: Record<string, string>, options: InfraNatsOptions = {}): Promise<InfraNats> {
  const dir = mkdtempSync(join(tmpdir(), 'authbus-nats-env-'));
  let configFile = NATS_CONF;
  if (options.config !== undefined) {
    configFile = join(dir, 'nats.conf');
    writeFileSync(configFile, options.config);
  }
  const launcher = join(dir, 'nats-server');
  const quote = (v: string): string => `'${v.replace(/'/g, `'\\''`)}'`;
  const exports = Object.entries(env).map(([k, v]) => `export ${k}=${quote(v)}`);
  writeFileSync(launcher, ['#!/bin/sh', ...exports, `exec ${quote(process.env.NATS_SERVER_BIN ?? 'nats-server')} "$@"`, ''].join('\n'), { mode: 0o700 });
  chmodSync(launcher, 0o700);
  const monitorPort = await freePort();
  try {
    const server = await startNatsServer({
      configFile,
      binary: launcher,
      args: ['-m', String(monitorPort)],
      ...(options.host !== undefined ? { host: options.host } : {}),
    });
    const stop = server.stop.bind(server);
    return Object.assign(server, {
      monitorUrl: `http://127.0.0.1:${monitorPort}`,
      async stop() {
        await stop();
        rmSync(dir, { recursive: true, force: true });
      },
    });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** The users nats.conf defines and the environment variable each one's password comes from. */
export function natsUsers(conf = readFileSync(NATS_CONF, 'utf8')): Map<string, string> {
  return new Map([...conf.matchAll(/\buser:\s*([\w-]+)[\s,]+password:\s*\$([A-Z0-9_]+)/g)].map((m) => [m[1]!, m[2]!]));
}
