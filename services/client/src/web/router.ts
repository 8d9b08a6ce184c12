/** A page: renders into `main`. */
export type Page = () => Promise<Node> | Node;

const routes = new Map<string, Page>();
let fallback: Page = () => document.createTextNode('Not found');

export function route(path: string, page: Page): void {
  routes.set(path, page);
}

export function notFound(page: Page): void {
  fallback = page;
}

/** Go to a page (history entry + render). */
export function navigate(path: string): void {
  if (location.pathname !== path) history.pushState(null, '', path);
  void render();
}

/** Render the page for the current path. */
export async function render(): Promise<void> {
  const page = routes.get(location.pathname) ?? fallback;
  const main = document.getElementById('main')!;
  main.replaceChildren(await page());
}

/** Make same-origin links navigate without reloading. */
export function startRouter(): void {
  window.addEventListener('popstate', () => void render());
  document.addEventListener('click', (event) => {
    const link = (event.target as Element).closest('a');
    if (!link || link.origin !== location.origin || link.target) return;
    event.preventDefault();
    navigate(link.pathname);
  });
}
