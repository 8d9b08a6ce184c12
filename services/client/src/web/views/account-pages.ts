import { api } from '../api.js';
import { h } from '../dom.js';
import { loadCurrentUser } from '../session.js';

const time = (seconds: number): string => new Date(seconds * 1000).toLocaleString();

/** Who the services think you are: the verified claims of this session. */
export async function sessionPage(): Promise<HTMLElement> {
  const user = await loadCurrentUser().catch(() => null);
  if (!user)
    return h('p', { 'data-testid': 'no-session' }, 'You are not signed in. ', h('a', { href: '/signin' }, 'Sign in'));
  return h(
    'section',
    {},
    h('h1', {}, 'My session'),
    h(
      'dl',
      { 'data-testid': 'session' },
      h('dt', {}, 'Email'),
      h('dd', {}, user.email),
      h('dt', {}, 'User id'),
      h('dd', {}, h('code', {}, user.sub)),
      h('dt', {}, 'Roles'),
      h('dd', {}, user.roles.join(', ')),
      h('dt', {}, 'Session id'),
      h('dd', { 'data-testid': 'sid' }, h('code', {}, user.sid)),
      h('dt', {}, 'Token issued'),
      h('dd', {}, time(user.iat)),
      h('dt', {}, 'Token expires'),
      h('dd', {}, `${time(user.exp)} (refreshed automatically while the session lives)`),
    ),
  );
}

interface AdminUser {
  id: string;
  email: string;
  roles: string[];
  banned: boolean;
}

/** Admins: every user, with ban and unban. */
export async function adminPage(): Promise<HTMLElement> {
  const { users } = await api<{ users: AdminUser[] }>('/api/users?limit=500');
  const section = h('section', {}, h('h1', {}, 'Users'));
  const rows = users.map((u) => {
    const status = h('td', { 'data-testid': 'status' }, u.banned ? 'banned' : 'active');
    const toggle = h('button', { class: u.banned ? 'secondary' : 'danger' }, u.banned ? 'Unban' : 'Ban');
    toggle.addEventListener('click', () => {
      toggle.disabled = true;
      const banned = status.textContent === 'banned';
      api(`/api/users/${u.id}/ban`, banned ? { method: 'DELETE' } : { body: { reason: 'banned from the admin page' } })
        .then(() => {
          status.textContent = banned ? 'active' : 'banned';
          toggle.textContent = banned ? 'Ban' : 'Unban';
          toggle.className = banned ? 'danger' : 'secondary';
        })
        .catch((err: unknown) => (status.textContent = err instanceof Error ? err.message : 'failed'))
        .finally(() => (toggle.disabled = false));
    });
    return h(
      'tr',
      { 'data-testid': 'user', 'data-email': u.email },
      h('td', {}, u.email),
      h('td', {}, u.roles.join(', ')),
      status,
      h('td', {}, toggle),
    );
  });
  section.append(
    h(
      'table',
      {},
      h('thead', {}, h('tr', {}, h('th', {}, 'Email'), h('th', {}, 'Roles'), h('th', {}, 'Status'), h('th', {}))),
      h('tbody', {}, ...rows),
    ),
  );
  return section;
}
