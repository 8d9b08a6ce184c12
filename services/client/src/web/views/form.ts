import { ApiError } from '../api.js';
import { h } from '../dom.js';

/** A field of a form view. */
export interface FieldSpec {
  name: string;
  label: string;
  type?: string;
  autocomplete?: string;
  step?: string;
}

/**
 * A form whose server errors (`{ errors: [{ message, field }] }`) show next to their fields, and
 * errors without a field above the button. `submit` gets the values; what it throws is shown.
 */
export function formView(options: {
  title: string;
  id: string;
  fields: FieldSpec[];
  submitLabel: string;
  submit: (values: Record<string, string>) => Promise<void>;
}): HTMLElement {
  const fieldErrors = new Map<string, HTMLElement>();
  const formError = h('p', { class: 'form-error', 'data-testid': 'form-error' });
  const inputs = options.fields.map((f) => {
    const input = h('input', {
      name: f.name,
      type: f.type ?? 'text',
      autocomplete: f.autocomplete,
      step: f.step,
      required: true,
    });
    const error = h('span', { class: 'field-error', 'data-testid': `error-${f.name}` });
    fieldErrors.set(f.name, error);
    return h('label', {}, f.label, input, error);
  });
  const button = h('button', { type: 'submit' }, options.submitLabel);
  const form = h('form', { id: options.id, novalidate: true }, ...inputs, formError, button);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    for (const e of [...fieldErrors.values(), formError]) e.textContent = '';
    const values = Object.fromEntries(
      [...new FormData(form).entries()].map(([k, v]) => [k, typeof v === 'string' ? v : v.name]),
    );
    button.disabled = true;
    options
      .submit(values)
      .catch((err: unknown) => {
        if (err instanceof ApiError) {
          for (const item of err.errors) {
            const target = item.field ? fieldErrors.get(item.field) : undefined;
            (target ?? formError).textContent = item.message;
          }
        } else {
          formError.textContent = 'Something went wrong; try again.';
        }
      })
      .finally(() => (button.disabled = false));
  });
  return h('section', {}, h('h1', {}, options.title), form);
}
