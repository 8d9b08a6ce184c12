/**
 * A variable's value, or undefined when it is unset or blank: `NATS_URL=` in an env file means
 * "use the default", like every other variable, never an empty value.
 */
export function envValue(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
