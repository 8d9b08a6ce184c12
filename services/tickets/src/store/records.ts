/** A ticket for sale. Prices are in the currency's main unit with at most two decimals. */
export interface TicketRecord {
  id: string;
  title: string;
  price: number;
  userId: string;
  createdAt: Date;
  updatedAt: Date;
}

/** What this service knows of a user, copied from `auth.user.created`. */
export interface DirectoryUser {
  id: string;
  email: string;
  roles: string[];
}
