import { h, mount } from '../dom.js';
import { currentUser, isAdmin } from '../session.js';
import { signOut, signOutEverywhere } from './auth-pages.js';

/** The header always matches who the services say is signed in: never a stale "signed in". */
export function renderHeader(): void {
  const user = currentUser();
  const nav: Node[] = [h('a', { class: 'brand', href: '/' }, 'authbus tickets'), h('a', { href: '/' }, 'Tickets')];
  if (user) {
    nav.push(
      h('a', { href: '/tickets/new' }, 'Sell'),
      h('a', { href: '/live' }, 'Live'),
      h('a', { href: '/session' }, 'My session'),
    );
    if (isAdmin()) nav.push(h('a', { href: '/admin' }, 'Users'));
    nav.push(
      h('span', { class: 'who', 'data-testid': 'who' }, `Signed in as ${user.email}`),
      h('button', { class: 'link', 'data-testid': 'signout', onclick: () => void signOut() }, 'Sign out'),
      h(
        'button',
        { class: 'link', 'data-testid': 'signout-all', onclick: () => void signOutEverywhere() },
        'Sign out everywhere',
      ),
    );
  } else {
    nav.push(h('a', { href: '/signin' }, 'Sign in'), h('a', { href: '/signup' }, 'Sign up'));
  }
  mount('header', ...nav);
}
