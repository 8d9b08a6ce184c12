import { runService } from '@authbus/service-kit';
import { loadConfig } from './config';
import { createTicketsService } from './service';

runService({ name: 'tickets', loadConfig, start: (config, logger) => createTicketsService(config, logger) });
