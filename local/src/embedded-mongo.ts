import { lookup } from 'node:dns/promises';
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { MongoMemoryReplSet } from 'mongodb-memory-server-core';

/** A MongoDB replica set started for the local stack or the tests. */
export interface EmbeddedMongo {
  uri: string;
  stop(): Promise<void>;
}

const DOWNLOAD_HOST = 'fastdl.mongodb.org';

/**
 * Start a single-node MongoDB replica set with mongodb-memory-server when a `mongod` can be had:
 * `MONGOMS_SYSTEM_BINARY` or a `mongod` on PATH, a binary already downloaded to the cache, or a
 * download from MongoDB's site. Returns why not, in one line, when none can (an offline machine).
 */
export async function startEmbeddedMongo(): Promise<EmbeddedMongo | { unavailable: string }> {
  const systemBinary = process.env.MONGOMS_SYSTEM_BINARY ?? onPath('mongod');
  if (!systemBinary && !hasCachedBinary() && !(await reachable(DOWNLOAD_HOST))) {
    return {
      unavailable: `no mongod on PATH or in the mongodb-memory-server cache, and ${DOWNLOAD_HOST} is unreachable (offline)`,
    };
  }
  try {
    const replSet = await MongoMemoryReplSet.create({
      replSet: { count: 1, storageEngine: 'wiredTiger' },
      ...(systemBinary ? { binary: { systemBinary } } : {}),
    });
    return { uri: replSet.getUri(), stop: async () => void (await replSet.stop()) };
  } catch (err) {
    return { unavailable: `mongodb-memory-server could not start a mongod: ${String(err).split('\n')[0]}` };
  }
}

function onPath(binary: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, binary);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

function hasCachedBinary(): boolean {
  const dirs = [process.env.MONGOMS_DOWNLOAD_DIR, join(homedir(), '.cache', 'mongodb-binaries')].filter(
    (d): d is string => !!d,
  );
  return dirs.some((dir) => existsSync(dir) && readdirSync(dir).some((f) => f.startsWith('mongod')));
}

async function reachable(host: string): Promise<boolean> {
  try {
    await lookup(host);
    return true;
  } catch {
    return false;
  }
}
