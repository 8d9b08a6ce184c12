import type { TicketsStore } from '../tickets-store';
import type { DirectoryUser, TicketRecord } from '../records';

/** Tickets and the user directory in process memory (local runs without a database). */
export class MemoryTicketsStore implements TicketsStore {
  readonly kind = 'memory' as const;
  private readonly tickets = new Map<string, TicketRecord>();
  /** Ids of hidden tickets (their owner was banned). */
  private readonly hidden = new Set<string>();
  private readonly users = new Map<string, DirectoryUser>();

  async createTicket(ticket: TicketRecord): Promise<void> {
    this.tickets.set(ticket.id, structuredClone(ticket));
  }

  async findTicket(id: string): Promise<TicketRecord | undefined> {
    const ticket = this.tickets.get(id);
    return ticket && !this.hidden.has(id) ? structuredClone(ticket) : undefined;
  }

  async listTickets(options: {
    limit: number;
    offset: number;
    userId?: string;
  }): Promise<{ tickets: TicketRecord[]; total: number }> {
    const all = [...this.tickets.values()]
      .filter((t) => !this.hidden.has(t.id) && (options.userId === undefined || t.userId === options.userId))
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.id.localeCompare(a.id));
    return {
      tickets: all.slice(options.offset, options.offset + options.limit).map((t) => structuredClone(t)),
      total: all.length,
    };
  }

  async hideUserTickets(userId: string): Promise<number> {
    let hidden = 0;
    for (const t of this.tickets.values()) {
      if (t.userId !== userId || this.hidden.has(t.id)) continue;
      this.hidden.add(t.id);
      hidden++;
    }
    return hidden;
  }

  async updateTicket(
    id: string,
    fields: { title: string; price: number; updatedAt: Date },
  ): Promise<TicketRecord | undefined> {
    const ticket = this.tickets.get(id);
    if (!ticket) return undefined;
    Object.assign(ticket, fields);
    return structuredClone(ticket);
  }

  async upsertUser(user: DirectoryUser): Promise<void> {
    this.users.set(user.id, structuredClone(user));
  }

  async findUsers(ids: readonly string[]): Promise<Map<string, DirectoryUser>> {
    const found = new Map<string, DirectoryUser>();
    for (const id of ids) {
      const user = this.users.get(id);
      if (user) found.set(id, structuredClone(user));
    }
    return found;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}
}
