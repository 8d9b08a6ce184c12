import { parseInteger, parsePort, present } from '@authbus/service-kit';
import { startStack } from './stack';

/**
 * `npm start`: the whole system on one machine on embedded defaults. Ctrl-C stops everything.
 *   GATEWAY_PORT (3000), TICKETS_REPLICAS (2 with MongoDB, 1 with memory), NATS_URL, NATS_CLUSTER
 *   (1: one nats-server; 3: a local 3-node cluster with an R3 AUTH stream), MONGO_URI,
 *   ADMIN_EMAILS (admin@authbus.local), plus any service variable (ACCESS_TOKEN_TTL, LOG_LEVEL…).
 */
async function main(): Promise<void> {
  const env = process.env;
  const adminEmails = env.ADMIN_EMAILS ?? 'admin@authbus.local';
  const gatewayPort = parsePort(env.GATEWAY_PORT, 'GATEWAY_PORT', 3000);
  const usesMongo = present(env.MONGO_URI);
  const ticketsReplicas = parseInteger(env.TICKETS_REPLICAS, 'TICKETS_REPLICAS', { min: 1, max: 8 }, usesMongo ? 2 : 1);
  const natsCluster = parseInteger(env.NATS_CLUSTER, 'NATS_CLUSTER', { min: 1, max: 5 }, 1);
  const passThrough = Object.fromEntries(
    [
      'ACCESS_TOKEN_TTL',
      'SESSION_TTL',
      'LOG_LEVEL',
      'REVOCATION_MAX_STALENESS',
      'REVOCATION_STALENESS_POLICY',
      'REVOCATION_SILENT_MEMORY',
    ]
      .filter((k) => env[k] !== undefined)
      .map((k) => [k, env[k]!]),
  );
  const stack = await startStack({
    gatewayPort,
    ticketsReplicas,
    ...(env.NATS_URL ? { natsUrl: env.NATS_URL } : { natsCluster }),
    adminEmails,
    env: { NODE_ENV: 'development', ...passThrough },
  });
  if (stack.storeDescription.startsWith('memory') && stack.tickets.length > 1) {
    process.stdout.write('[stack] note: with the memory store each tickets replica keeps its own tickets\n');
  }
  process.stdout.write(
    [
      '',
      `authbus is running: open ${stack.gatewayUrl}/ in a browser`,
      `  sign up as ${adminEmails.split(',')[0]} to get the admin role`,
      `  curl -i -c jar -H 'content-type: application/json' -d '{"email":"ada@example.com","password":"correct horse"}' ${stack.gatewayUrl}/api/users/signup`,
      `  curl -b jar ${stack.gatewayUrl}/api/users/currentuser`,
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`[stack] ${signal}: stopping\n`);
    stack.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`[stack] could not start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
