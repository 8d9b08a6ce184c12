/**
 * Is the variable set to something? Unset and blank (`PORT=`) both mean "use the default", for
 * every variable alike: a blank line in an env file must not turn into port 0 or an empty list.
 */
export function present(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== '';
}
