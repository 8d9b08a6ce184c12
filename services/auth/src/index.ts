import { runService } from '@authbus/service-kit';
import { loadConfig } from './config';
import { createAuthService } from './service';

runService({ name: 'auth', loadConfig, start: (config, logger) => createAuthService(config, logger) });
