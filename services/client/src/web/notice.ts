import { h, mount } from './dom.js';

/** Show a message above the page (replacing any earlier one), optionally with a link. */
export function notify(message: string, link?: { href: string; text: string }): void {
  mount(
    'notice',
    h(
      'span',
      { 'data-testid': 'notice' },
      message,
      link ? ' ' : null,
      link ? h('a', { href: link.href }, link.text) : null,
    ),
  );
}

export function clearNotice(): void {
  mount('notice');
}
