import type { IHTTPIngressPath } from 'kubernetes-models/networking.k8s.io/v1/HTTPIngressPath';

/**
 * The Service an Ingress sends a request path to, by the Ingress rules (networking.k8s.io/v1):
 * `Exact` matches the whole path; `Prefix` matches element by element along `/` (so `/api/users`
 * matches `/api/users` and `/api/users/signin`, not `/api/usersx`; `/` matches everything); of
 * several matches the longest path wins, and `Exact` beats `Prefix` of the same length.
 * Undefined when no path matches.
 */
export function ingressBackend(paths: readonly IHTTPIngressPath[], requestPath: string): string | undefined {
  const matches = paths.filter((p) => {
    const path = p.path ?? '/';
    if (p.pathType === 'Exact') return requestPath === path;
    if (p.pathType !== 'Prefix') throw new Error(`pathType ${p.pathType} of ${path} is not modelled (use Prefix or Exact)`);
    const prefix = path.replace(/\/+$/, '');
    return prefix === '' || requestPath === prefix || requestPath.startsWith(`${prefix}/`);
  });
  const score = (p: IHTTPIngressPath) => (p.path ?? '/').replace(/\/+$/, '').length * 2 + (p.pathType === 'Exact' ? 1 : 0);
  return [...matches].sort((a, b) => score(b) - score(a))[0]?.backend.service?.name;
}
