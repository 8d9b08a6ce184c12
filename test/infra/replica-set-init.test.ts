import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { INFRA } from './support/paths';

/**
 * infra/mongo/replica-set-init.js run as mongosh would run it, against a stand-in for mongosh's
 * `rs` and `db` (there is no mongod here): what it asks of the server in each state the init
 * container meets it in.
 */
const script = readFileSync(join(INFRA, 'mongo', 'replica-set-init.js'), 'utf8');

interface FakeServer {
  initiated: boolean;
  primary: string | undefined;
  initiateCalls: unknown[];
  printed: string[];
}

/** The script with mongosh's globals given, as mongosh runs a file. */
function runScript(rs: unknown, db: unknown, print: (line: string) => void, env: Record<string, string | undefined>): void {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  new Function('rs', 'db', 'print', 'process', script)(rs, db, print, { env });
}

function run(server: FakeServer, env: Record<string, string | undefined>): void {
  const rs = {
    status() {
      if (!server.initiated) throw Object.assign(new Error('no replset config has been received'), { codeName: 'NotYetInitialized' });
      return { ok: 1 };
    },
    initiate(config: unknown) {
      server.initiateCalls.push(config);
      server.initiated = true;
    },
  };
  const db = { hello: () => (server.primary === undefined ? {} : { primary: server.primary }) };
  const print = (line: string) => server.printed.push(line);
  runScript(rs, db, print, env);
}

const ENV = { REPLICA_SET: 'rs0', REPLICA_SET_MEMBERS: 'm-0.m:27017,m-1.m:27017,m-2.m:27017' };
const fresh = (): FakeServer => ({ initiated: false, primary: undefined, initiateCalls: [], printed: [] });

describe('infra/mongo/replica-set-init.js', () => {
  it('initiates a new set once, with every member in order, and fails (to be run again) until it has a primary', () => {
    const server = fresh();
    expect(() => run(server, ENV)).toThrow('rs0 has no primary yet');
    expect(server.initiateCalls).toEqual([
      {
        _id: 'rs0',
        members: [
          { _id: 0, host: 'm-0.m:27017' },
          { _id: 1, host: 'm-1.m:27017' },
          { _id: 2, host: 'm-2.m:27017' },
        ],
      },
    ]);
    server.primary = 'm-1.m:27017';
    run(server, ENV);
    expect(server.initiateCalls).toHaveLength(1);
    expect(server.printed).toEqual(['replica set rs0 ready: 3 members, primary m-1.m:27017']);
  });

  it('leaves an initiated set alone (another pod initiated it, or this is a restart)', () => {
    const server = { ...fresh(), initiated: true, primary: 'm-0.m:27017' };
    run(server, ENV);
    expect(server.initiateCalls).toEqual([]);
  });

  it('passes any other error on, and refuses to run without its variables', () => {
    const server = fresh();
    const unauthorized = {
      status() {
        throw Object.assign(new Error('not authorized'), { codeName: 'Unauthorized' });
      },
    };
    const failing = () => runScript(unauthorized, {}, () => undefined, ENV);
    expect(failing).toThrow('not authorized');
    expect(() => run(server, { REPLICA_SET: 'rs0' })).toThrow('REPLICA_SET and REPLICA_SET_MEMBERS are required');
    expect(server.initiateCalls).toEqual([]);
  });
});
