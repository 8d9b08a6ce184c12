import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, type BrowserContext, type Page, type Locator } from 'playwright-core';
import type { Stack } from '@authbus/local';
import { launchChromium, screenshot, startTestStack } from '@authbus/test-support';
import { waitFor } from '@authbus/common/testing';

const PASSWORD = 'correct horse battery';
const REVOKED = /Your session was revoked/;

/** The cookie session as a person uses it: the real stack, the real web client, real Chromium. */
describe('browser: the cookie session in Chromium', () => {
  let stack: Stack & { logs: string[] };
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let n = 0;

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startTestStack({ ticketsReplicas: 1 }), launchChromium()]);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });

  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ baseURL: stack.gatewayUrl });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto('/');
    await page.getByRole('link', { name: 'Tickets', exact: true }).waitFor();
    return page;
  }

  async function fillCredentials(page: Page, form: 'signup' | 'signin', email: string): Promise<void> {
    await page.goto(`/${form}`);
    await page.locator(`#${form} input[name=email]`).fill(email);
    await page.locator(`#${form} input[name=password]`).fill(PASSWORD);
    await page.locator(`#${form} button[type=submit]`).click();
  }

  async function signUp(page: Page, email = `person${++n}-${Date.now()}@example.com`): Promise<string> {
    await fillCredentials(page, 'signup', email);
    await page.getByTestId('who').filter({ hasText: email }).waitFor();
    return email;
  }

  async function signIn(page: Page, email: string): Promise<void> {
    await fillCredentials(page, 'signin', email);
    await page.getByTestId('who').filter({ hasText: email }).waitFor();
  }

  async function sellTicket(page: Page, title: string, price = '12.50'): Promise<void> {
    await page.goto('/tickets/new');
    await page.locator('#new-ticket input[name=title]').fill(title);
    await page.locator('#new-ticket input[name=price]').fill(price);
    await page.locator('#new-ticket button[type=submit]').click();
  }

  it('signs up through the form, creates a ticket, and sees it listed', async () => {
    const page = await newPage();
    await page.goto('/signup');
    await screenshot(page, '1-signup');
    const email = await signUp(page);
    await sellTicket(page, 'Opera night');
    await page.getByTestId('ticket').filter({ hasText: 'Opera night' }).waitFor();
    await expectText(page.getByTestId('ticket').filter({ hasText: 'Opera night' }), email);
    await screenshot(page, '2-tickets');
    await page.goto('/session');
    await page.getByTestId('session').waitFor();
    await screenshot(page, '3-my-session');
  });

  it('shows field errors from { errors: [...] } next to their fields', async () => {
    const page = await newPage();
    await page.goto('/signup');
    await page.locator('#signup input[name=email]').fill('not-an-email');
    await page.locator('#signup input[name=password]').fill('short');
    await page.locator('#signup button[type=submit]').click();
    await expectText(page.getByTestId('error-email'), 'Email must be valid');
    await expectText(page.getByTestId('error-password'), 'Password must be 8 to 128 characters');
    await screenshot(page, '4-field-errors');
  });

  it('two browsers as one user: signing out in one leaves the other working; signing out everywhere revokes it, and it says so', async () => {
    const a = await newPage();
    const b = await newPage();
    const email = await signUp(a);
    await signIn(b, email);
    const refreshes = countRefreshes(b);

    await a.getByTestId('signout').click();
    await a.getByRole('link', { name: 'Sign in' }).first().waitFor();
    await sellTicket(b, 'Still signed in');
    await b.getByTestId('ticket').filter({ hasText: 'Still signed in' }).waitFor();

    await signIn(a, email);
    await a.getByTestId('signout-all').click();
    await a.getByRole('link', { name: 'Sign in' }).first().waitFor();

    await sellTicket(b, 'After sign-out everywhere');
    await expectText(b.getByTestId('notice'), REVOKED);
    await b.getByRole('link', { name: 'Sign in again' }).waitFor();
    expect(await b.getByTestId('who').count()).toBe(0);
    expect(refreshes()).toBe(0);
    await screenshot(b, '5-revoked-session');
  });

  it('the live list in one tab ends, and the page says so, the moment the session signs out in another tab', async () => {
    const context = await browser.newContext({ baseURL: stack.gatewayUrl });
    contexts.push(context);
    const watching = await context.newPage();
    await watching.goto('/');
    const email = await signUp(watching);
    await watching.getByRole('link', { name: 'Live' }).click();
    await expectText(watching.getByTestId('live-status'), /^Live:/);
    // A second tab of the same browser (same cookie) sells a ticket: it appears live in the first.
    const other = await context.newPage();
    await other.goto('/');
    await other.getByTestId('who').filter({ hasText: email }).waitFor();
    await sellTicket(other, 'Seen live');
    await watching.getByTestId('live-ticket').filter({ hasText: 'Seen live' }).waitFor();
    await screenshot(watching, '8-live-list');

    await other.getByTestId('signout').click();
    // Said by the server's `event: revoked` on the open stream: the page makes no request of its own.
    await expectText(watching.getByTestId('live-status'), 'The live list stopped: your session ended.');
    await expectText(watching.getByTestId('notice'), REVOKED);
    expect(await watching.getByTestId('who').count()).toBe(0);
    await screenshot(watching, '9-live-list-ended');
  });

  it('an admin bans a user: the user’s open page is refused on its next action, sign-in shows the ban; unban restores sign-in', async () => {
    const admin = await newPage();
    await signUp(admin, 'admin@example.com').catch(async () => signIn(admin, 'admin@example.com'));
    const user = await newPage();
    const email = await signUp(user);

    await admin.goto('/admin');
    const row = admin.locator(`[data-testid=user][data-email="${email}"]`);
    await row.getByRole('button', { name: 'Ban' }).click();
    await expectText(row.getByTestId('status'), 'banned');
    await screenshot(admin, '6-admin-users');

    await sellTicket(user, 'While banned');
    await expectText(user.getByTestId('notice'), REVOKED);
    await fillCredentials(user, 'signin', email);
    await expectText(user.getByTestId('form-error'), 'Account banned');
    await expectText(user.getByTestId('notice'), /banned/);
    await screenshot(user, '7-banned');

    await row.getByRole('button', { name: 'Unban' }).click();
    await expectText(row.getByTestId('status'), 'active');
    await signIn(user, email);
  });

  it('keeps the session out of page scripts and storage, and refuses a cross-site form post', async () => {
    const page = await newPage();
    await signUp(page);
    expect(await page.evaluate(() => document.cookie)).not.toMatch(/session=/);
    expect(
      await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage })),
    ).not.toMatch(/ey[A-Za-z0-9_-]{10,}/);
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'session')).toMatchObject({ httpOnly: true, sameSite: 'Lax' });

    // Another site (127.0.0.1 is not the same site as localhost) posts a form to the API.
    const before = await ticketCount(page);
    const evil = await serveEvilPage(`${stack.gatewayUrl}/api/tickets`);
    try {
      await page.goto(`http://127.0.0.1:${(evil.address() as AddressInfo).port}/`);
      await Promise.all([page.waitForNavigation(), page.locator('button').click()]);
      expect(await page.content()).toMatch(/ERR_CROSS_SITE_REQUEST/);
    } finally {
      evil.close();
    }
    await page.goto('/');
    expect(await ticketCount(page)).toBe(before);
  });

  async function ticketCount(page: Page): Promise<number> {
    return page.evaluate(async () => ((await (await fetch('/api/tickets')).json()) as { total: number }).total);
  }
});

/** How many times the page has called the refresh endpoint (from now on). */
function countRefreshes(page: Page): () => number {
  let count = 0;
  page.on('request', (r) => {
    if (r.url().endsWith('/api/users/refresh')) count++;
  });
  return () => count;
}

async function expectText(locator: Locator, text: string | RegExp): Promise<void> {
  await locator.filter({ hasText: text }).first().waitFor({ timeout: 10_000 });
}

function serveEvilPage(target: string): Promise<Server> {
  const html = `<!doctype html><form method="post" action="${target}"><input name="title" value="csrf"><input name="price" value="1"><button>Win a prize</button></form>`;
  return new Promise((resolve) => {
    const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(html));
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

describe('browser: an expired access token is refreshed once, transparently', () => {
  let stack: Stack & { logs: string[] };
  let browser: Browser;

  beforeAll(async () => {
    [stack, browser] = await Promise.all([
      // 5 s: long enough that the page's own steps after one refresh never outlast the new token on a loaded machine.
      startTestStack({ ticketsReplicas: 1, env: { ACCESS_TOKEN_TTL: '5s', JWT_CLOCK_TOLERANCE: '0s' } }),
      launchChromium(),
    ]);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('retries the failed call after one refresh, and the person notices nothing', async () => {
    const context = await browser.newContext({ baseURL: stack.gatewayUrl });
    const page = await context.newPage();
    try {
      await page.goto('/signup');
      await page.locator('#signup input[name=email]').fill(`expiring-${Date.now()}@example.com`);
      await page.locator('#signup input[name=password]').fill(PASSWORD);
      await page.locator('#signup button[type=submit]').click();
      await page.getByTestId('who').waitFor();
      const { exp } = await page.evaluate(
        async () =>
          ((await (await fetch('/api/users/currentuser')).json()) as { currentUser: { exp: number } }).currentUser,
      );
      await waitFor(() => Date.now() / 1000 >= exp + 0.2, {
        timeoutMs: 10_000,
        description: 'the access token to expire',
      });

      const refreshes = countRefreshes(page);
      await page.goto('/tickets/new');
      await page.locator('#new-ticket input[name=title]').fill('Bought after expiry');
      await page.locator('#new-ticket input[name=price]').fill('3');
      await page.locator('#new-ticket button[type=submit]').click();
      await page.getByTestId('ticket').filter({ hasText: 'Bought after expiry' }).waitFor();
      expect(refreshes()).toBe(1);
      expect(await page.getByTestId('notice').count()).toBe(0);
      await page.getByTestId('who').waitFor();
    } finally {
      await context.close();
    }
  });
});
