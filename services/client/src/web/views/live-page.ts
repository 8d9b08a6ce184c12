import { endSession } from '../api.js';
import { h } from '../dom.js';
import { navigate } from '../router.js';
import { currentUser } from '../session.js';

interface TicketChange {
  id: string;
  title: string;
  price: number;
  ownerEmail: string | null;
}

/** The open stream of the live page, closed when the page is left (one at a time). */
let source: EventSource | undefined;

/**
 * New and changed tickets as they happen (`GET /api/tickets/live`, server-sent events), for a
 * signed-in user. The stream is authenticated once; the server ends it with `event: revoked` the
 * moment the session is signed out (here or in another tab), banned or expired, and the page says
 * so instead of going on showing a live list.
 */
export function livePage(): HTMLElement {
  source?.close();
  if (!currentUser()) {
    queueMicrotask(() => navigate('/signin'));
    return h('p', { class: 'muted' }, 'Sign in to follow the live list.');
  }
  const status = h('p', { class: 'muted', 'data-testid': 'live-status' }, 'Connecting…');
  const list = h('tbody', {});
  const page = h(
    'section',
    {},
    h('h1', {}, 'Live'),
    status,
    h(
      'table',
      {},
      h('thead', {}, h('tr', {}, h('th', {}, 'Title'), h('th', {}, 'Price'), h('th', {}, 'Seller'))),
      list,
    ),
  );
  const stream = new EventSource('/api/tickets/live');
  source = stream;
  stream.onopen = () => {
    status.textContent = 'Live: new and changed tickets appear here.';
  };
  stream.addEventListener('ticket', (event) => {
    const t = JSON.parse((event as MessageEvent<string>).data) as TicketChange;
    list.prepend(
      h(
        'tr',
        { 'data-testid': 'live-ticket' },
        h('td', {}, t.title),
        h('td', {}, `$${t.price.toFixed(2)}`),
        h('td', { class: 'muted' }, t.ownerEmail ?? '—'),
      ),
    );
  });
  stream.addEventListener('revoked', (event) => {
    stream.close();
    const { reason } = JSON.parse((event as MessageEvent<string>).data) as { reason: string };
    status.textContent =
      reason === 'expired'
        ? 'The live list stopped: your sign-in expired.'
        : 'The live list stopped: your session ended.';
    status.dataset.state = 'ended';
    if (reason === 'revoked') endSession('revoked');
  });
  // A stream the server refused (the session was already over) does not retry.
  stream.onerror = () => {
    if (stream.readyState === EventSource.CLOSED && status.dataset.state !== 'ended') {
      status.textContent = 'The live list is not available right now.';
    }
  };
  return page;
}
