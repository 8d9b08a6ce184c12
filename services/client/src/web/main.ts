import { whenSessionEnds } from './api.js';
import { notify } from './notice.js';
import { notFound, render, route, startRouter } from './router.js';
import { currentUser, loadCurrentUser, onSessionChange, setCurrentUser } from './session.js';
import { adminPage, sessionPage } from './views/account-pages.js';
import { notFoundPage, signinPage, signupPage } from './views/auth-pages.js';
import { renderHeader } from './views/header.js';
import { livePage } from './views/live-page.js';
import { newTicketPage, ticketsPage } from './views/tickets-pages.js';

route('/', ticketsPage);
route('/tickets/new', newTicketPage);
route('/live', livePage);
route('/signin', signinPage);
route('/signup', signupPage);
route('/session', sessionPage);
route('/admin', adminPage);
notFound(notFoundPage);

const ENDED = {
  revoked: 'Your session was revoked: you were signed out elsewhere or by an administrator.',
  banned: 'Your account has been banned.',
  ended: 'You are not signed in.',
} as const;

// A call found the session over: say so, offer sign-in, and stop showing "signed in".
whenSessionEnds((why) => {
  if (why === 'ended' && !currentUser()) return notify(ENDED.ended, { href: '/signin', text: 'Sign in' });
  setCurrentUser(null);
  notify(ENDED[why], { href: '/signin', text: 'Sign in again' });
});

onSessionChange(renderHeader);
startRouter();
renderHeader();
loadCurrentUser()
  .catch(() => {
    setCurrentUser(null);
    notify('The service is not answering right now; try again in a moment.');
  })
  .finally(() => void render());
