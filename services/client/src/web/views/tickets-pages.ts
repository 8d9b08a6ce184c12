import { api } from '../api.js';
import { h } from '../dom.js';
import { navigate } from '../router.js';
import { currentUser } from '../session.js';
import { formView } from './form.js';

interface Ticket {
  id: string;
  title: string;
  price: number;
  userId: string;
  ownerEmail: string | null;
}

/** Every ticket, newest first (public). */
export async function ticketsPage(): Promise<HTMLElement> {
  const { tickets, total } = await api<{ tickets: Ticket[]; total: number }>('/api/tickets');
  const rows = tickets.map((t) =>
    h(
      'tr',
      { 'data-testid': 'ticket' },
      h('td', {}, t.title),
      h('td', {}, `$${t.price.toFixed(2)}`),
      h('td', { class: 'muted' }, t.ownerEmail ?? '—'),
    ),
  );
  return h(
    'section',
    {},
    h('h1', {}, `Tickets (${total})`),
    currentUser()
      ? h('p', {}, h('a', { href: '/tickets/new' }, 'Sell a ticket'))
      : h('p', { class: 'muted' }, 'Sign in to sell a ticket.'),
    tickets.length === 0
      ? h('p', { class: 'muted' }, 'No tickets yet.')
      : h(
          'table',
          {},
          h('thead', {}, h('tr', {}, h('th', {}, 'Title'), h('th', {}, 'Price'), h('th', {}, 'Seller'))),
          h('tbody', {}, ...rows),
        ),
  );
}

/** Create a ticket (needs a live session: a revoked one is told so). */
export function newTicketPage(): HTMLElement {
  return formView({
    title: 'Sell a ticket',
    id: 'new-ticket',
    fields: [
      { name: 'title', label: 'Title' },
      { name: 'price', label: 'Price', type: 'number', step: '0.01' },
    ],
    submitLabel: 'Create',
    submit: async (values) => {
      await api('/api/tickets', {
        body: { title: values.title, price: values.price === '' ? '' : Number(values.price) },
      });
      navigate('/');
    },
  });
}
