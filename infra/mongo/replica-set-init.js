/* global rs, db, print -- mongosh provides them */
// Initiates a MongoDB replica set once, with every member, and waits until it has a primary. Run by
// mongosh in the init container of the pods that use the set (infra/k8s/auth.yaml, tickets.yaml),
// connected directly to one member, until it succeeds: whichever pod comes first initiates, the
// others (and every later start) find the set initiated and only wait for the primary. A member not
// reachable yet makes rs.initiate() fail, and the container tries again.
//
// From the environment: REPLICA_SET (the set's name, the replicaSet= of the services' MONGO_URI) and
// REPLICA_SET_MEMBERS (host:port of every member, comma-separated, as the MONGO_URI lists them).
const setName = process.env.REPLICA_SET;
const members = (process.env.REPLICA_SET_MEMBERS ?? '').split(',').filter((host) => host !== '');
if (!setName || members.length === 0) throw new Error('REPLICA_SET and REPLICA_SET_MEMBERS are required');
try {
  rs.status();
} catch (e) {
  if (e.codeName !== 'NotYetInitialized') throw e;
  rs.initiate({ _id: setName, members: members.map((host, i) => ({ _id: i, host })) });
}
if (!db.hello().primary) throw new Error(`${setName} has no primary yet`);
print(`replica set ${setName} ready: ${members.length} members, primary ${db.hello().primary}`);
