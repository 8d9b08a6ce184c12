import mongoose, { Schema, type Connection, type Model } from 'mongoose';
import type { TicketsStore } from '../tickets-store';
import type { DirectoryUser, TicketRecord } from '../records';

interface TicketDoc {
  _id: string;
  title: string;
  price: number;
  userId: string;
  createdAt: Date;
  updatedAt: Date;
  /** Set when the owner was banned: left out of every listing. */
  hidden?: boolean;
}

interface UserDoc {
  _id: string;
  email: string;
  roles: string[];
}

const ticketSchema = new Schema<TicketDoc>({
  _id: { type: String, required: true },
  title: { type: String, required: true },
  price: { type: Number, required: true, min: 0 },
  userId: { type: String, required: true, index: true },
  createdAt: { type: Date, required: true },
  updatedAt: { type: Date, required: true },
  hidden: { type: Boolean },
});
ticketSchema.index({ createdAt: -1, _id: -1 });

const userSchema = new Schema<UserDoc>({
  _id: { type: String, required: true },
  email: { type: String, required: true },
  roles: { type: [String], required: true },
});

/** Tickets and the user directory in MongoDB (mongoose). */
export class MongoTicketsStore implements TicketsStore {
  readonly kind = 'mongo' as const;

  private constructor(
    private readonly connection: Connection,
    private readonly Ticket: Model<TicketDoc>,
    private readonly User: Model<UserDoc>,
  ) {}

  static async connect(uri: string): Promise<MongoTicketsStore> {
    const connection = await mongoose.createConnection(uri, { serverSelectionTimeoutMS: 10_000 }).asPromise();
    const Ticket = connection.model<TicketDoc>('Ticket', ticketSchema);
    const User = connection.model<UserDoc>('DirectoryUser', userSchema, 'users');
    await Promise.all([Ticket.init(), User.init()]);
    return new MongoTicketsStore(connection, Ticket, User);
  }

  async createTicket(ticket: TicketRecord): Promise<void> {
    const { id, ...fields } = ticket;
    await this.Ticket.create({ _id: id, ...fields });
  }

  async findTicket(id: string): Promise<TicketRecord | undefined> {
    const doc = await this.Ticket.findOne({ _id: id, hidden: { $ne: true } }).lean<TicketDoc>();
    return doc ? toTicket(doc) : undefined;
  }

  async listTickets(options: {
    limit: number;
    offset: number;
    userId?: string;
  }): Promise<{ tickets: TicketRecord[]; total: number }> {
    const filter = { hidden: { $ne: true }, ...(options.userId === undefined ? {} : { userId: options.userId }) };
    const [docs, total] = await Promise.all([
      this.Ticket.find(filter)
        .sort({ createdAt: -1, _id: -1 })
        .skip(options.offset)
        .limit(options.limit)
        .lean<TicketDoc[]>(),
      this.Ticket.countDocuments(filter),
    ]);
    return { tickets: docs.map(toTicket), total };
  }

  async hideUserTickets(userId: string): Promise<number> {
    const result = await this.Ticket.updateMany({ userId, hidden: { $ne: true } }, { $set: { hidden: true } });
    return result.modifiedCount;
  }

  async updateTicket(
    id: string,
    fields: { title: string; price: number; updatedAt: Date },
  ): Promise<TicketRecord | undefined> {
    const doc = await this.Ticket.findByIdAndUpdate(id, { $set: fields }, { new: true }).lean<TicketDoc>();
    return doc ? toTicket(doc) : undefined;
  }

  async upsertUser(user: DirectoryUser): Promise<void> {
    await this.User.updateOne({ _id: user.id }, { $set: { email: user.email, roles: user.roles } }, { upsert: true });
  }

  async findUsers(ids: readonly string[]): Promise<Map<string, DirectoryUser>> {
    const docs = await this.User.find({ _id: { $in: [...ids] } }).lean<UserDoc[]>();
    return new Map(docs.map((d) => [d._id, { id: d._id, email: d.email, roles: [...d.roles] }]));
  }

  async ping(): Promise<void> {
    await this.connection.db!.admin().command({ ping: 1 });
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}

function toTicket(doc: TicketDoc): TicketRecord {
  return {
    id: doc._id,
    title: doc.title,
    price: doc.price,
    userId: doc.userId,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}
