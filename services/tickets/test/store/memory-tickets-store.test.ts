import { MemoryTicketsStore } from '../../src/store/memory/memory-tickets-store';
import { ticketsStoreContract } from './tickets-store-contract';

ticketsStoreContract('memory', async () => new MemoryTicketsStore());
