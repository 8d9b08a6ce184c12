import type { DirectoryUser, TicketRecord } from '../store/records';

/** A ticket as the API shows it, with the owner's email when the directory knows it. */
export interface TicketView {
  id: string;
  title: string;
  price: number;
  userId: string;
  ownerEmail: string | null;
  createdAt: string;
  updatedAt: string;
}

export function ticketView(ticket: TicketRecord, owners: ReadonlyMap<string, DirectoryUser>): TicketView {
  return {
    id: ticket.id,
    title: ticket.title,
    price: ticket.price,
    userId: ticket.userId,
    ownerEmail: owners.get(ticket.userId)?.email ?? null,
    createdAt: ticket.createdAt.toISOString(),
    updatedAt: ticket.updatedAt.toISOString(),
  };
}
