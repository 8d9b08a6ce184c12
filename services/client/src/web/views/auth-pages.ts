import { api, ApiError, ErrorCodes } from '../api.js';
import { h } from '../dom.js';
import { clearNotice, notify } from '../notice.js';
import { navigate } from '../router.js';
import { loadCurrentUser, setCurrentUser } from '../session.js';
import { formView } from './form.js';

const credentials = [
  { name: 'email', label: 'Email', type: 'email', autocomplete: 'username' },
  { name: 'password', label: 'Password', type: 'password', autocomplete: 'current-password' },
];

/** Sign up, then go to the tickets. */
export function signupPage(): HTMLElement {
  return formView({
    title: 'Sign up',
    id: 'signup',
    fields: credentials.map((f) => (f.name === 'password' ? { ...f, autocomplete: 'new-password' } : f)),
    submitLabel: 'Sign up',
    submit: async (values) => {
      await api('/api/users/signup', { body: { email: values.email, password: values.password } });
      await signedIn();
    },
  });
}

/** Sign in (a banned account, `ERR_USER_BANNED`: the form shows the server's message and the page says the account is banned). */
export function signinPage(): HTMLElement {
  return formView({
    title: 'Sign in',
    id: 'signin',
    fields: credentials,
    submitLabel: 'Sign in',
    submit: async (values) => {
      await api('/api/users/signin', { body: { email: values.email, password: values.password } });
      await signedIn();
    },
  });
}

async function signedIn(): Promise<void> {
  clearNotice();
  await loadCurrentUser();
  navigate('/');
}

/** What a revocation answered 503 `ERR_REVOCATION_PENDING` means for the user. */
const PENDING =
  ' The sign-out is recorded, but the services cannot be told yet: it takes effect everywhere once they can be reached.';

/** Did the call answer that its revocation is recorded but not yet in effect everywhere? */
async function pending(call: Promise<unknown>): Promise<boolean> {
  return call.then(
    () => false,
    (err: unknown) => err instanceof ApiError && err.code === ErrorCodes.revocationPending,
  );
}

/** Sign out of this session only (other devices stay signed in). */
export async function signOut(): Promise<void> {
  const late = await pending(api('/api/users/signout', { method: 'POST' }));
  setCurrentUser(null);
  notify(`You are signed out of this browser.${late ? PENDING : ''}`);
  navigate('/');
}

/** Sign out of every session of this account, everywhere. */
export async function signOutEverywhere(): Promise<void> {
  const late = await pending(api('/api/users/signout-all', { method: 'POST' }));
  setCurrentUser(null);
  notify(`You are signed out everywhere: every session of your account was revoked.${late ? PENDING : ''}`);
  navigate('/');
}

export function notFoundPage(): HTMLElement {
  return h('p', {}, 'This page does not exist. ', h('a', { href: '/' }, 'See the tickets'));
}
