import type { CommandModule } from 'yargs';
import { echoCommand } from './echo.js';
import { clientCommand } from './client.js';
import { proxyCommand } from './proxy.js';

// Explicit list (not commandDir): it sees .ts sources and stays lazy.
export const commands = [echoCommand, clientCommand, proxyCommand] as unknown as CommandModule[];
