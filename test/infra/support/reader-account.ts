/** A reading service to add to nats.conf: its account name and its service (user) name. */
export interface ReaderAccount {
  /** Account name, upper case by convention: `REPORTS`. */
  account: string;
  /** Service name: the NATS user and the inbox prefix `_INBOX_<service>`: `reports`. */
  service: string;
}

const TEMPLATE = { account: 'TICKETS', service: 'tickets' } as const;

/**
 * nats.conf with one more reading service, added the way its comments tell an operator to: the
 * tickets account block (between its `# ---- reader account TICKETS` and `# ---- end of reader
 * account TICKETS` lines) copied with the names replaced, and the account added to
 * `REVOCATION_READERS`. Its password comes from `$NATS_<ACCOUNT>_PASSWORD`. Throws when the
 * config has no such template, so a test never runs against a config it did not mean.
 */
export function withReaderAccount(conf: string, reader: ReaderAccount): string {
  const start = conf.indexOf(`# ---- reader account ${TEMPLATE.account}`);
  const endMarker = `# ---- end of reader account ${TEMPLATE.account} ----`;
  const end = conf.indexOf(endMarker);
  if (start < 0 || end < start) throw new Error(`nats.conf has no reader account template for ${TEMPLATE.account}`);
  const lineStart = conf.lastIndexOf('\n', start) + 1;
  const blockEnd = end + endMarker.length;
  const block = conf
    .slice(lineStart, blockEnd)
    .replaceAll(TEMPLATE.account, reader.account)
    .replaceAll(TEMPLATE.service, reader.service);
  const readers = /^REVOCATION_READERS = \[([^\]]*)\]/m;
  if (!readers.test(conf)) throw new Error('nats.conf has no REVOCATION_READERS list');
  const added = conf.slice(0, blockEnd) + '\n' + block + conf.slice(blockEnd);
  return added.replace(readers, (_line, list: string) => `REVOCATION_READERS = [${list}, ${reader.account}]`);
}
