import type { DirectoryUser, TicketRecord } from './records';

/** The tickets service's storage port; memory and mongo adapters pass one contract suite. */
export interface TicketsStore {
  readonly kind: 'memory' | 'mongo';
  createTicket(ticket: TicketRecord): Promise<void>;
  findTicket(id: string): Promise<TicketRecord | undefined>;
  /** Newest first. */
  listTickets(options: {
    limit: number;
    offset: number;
    userId?: string;
  }): Promise<{ tickets: TicketRecord[]; total: number }>;
  /** Update title and price; returns the updated ticket, or undefined when it doesn't exist. */
  updateTicket(
    id: string,
    fields: { title: string; price: number; updatedAt: Date },
  ): Promise<TicketRecord | undefined>;

  /** Insert or replace a user of the directory (idempotent: the same event twice is harmless). */
  upsertUser(user: DirectoryUser): Promise<void>;
  findUsers(ids: readonly string[]): Promise<Map<string, DirectoryUser>>;

  ping(): Promise<void>;
  close(): Promise<void>;
}
