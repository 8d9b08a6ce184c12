import { resolve } from 'node:path';

/** The repository root. */
export const ROOT = resolve(__dirname, '..', '..', '..');

/** `infra/`: the kustomization root (manifests in `k8s/`, NATS config in `nats/`). */
export const INFRA = resolve(ROOT, 'infra');

/** The Kubernetes section of the README, kept beside the manifests until it is merged into README.md. */
export const INFRA_README = resolve(INFRA, 'README.md');

/** The repository's README. */
export const README = resolve(ROOT, 'README.md');

/** The script that creates those Secrets. */
export const CREATE_SECRETS_SCRIPT = resolve(INFRA, 'scripts', 'create-secrets.sh');

/** The nats-server configuration the cluster runs. */
export const NATS_CONF = resolve(INFRA, 'nats', 'nats.conf');

/** What each server of the NATS StatefulSet runs: nats.conf (included) plus the cluster routes and lame-duck shutdown. */
export const NATS_CLUSTER_CONF = resolve(INFRA, 'nats', 'cluster.conf');
