import * as assert from 'node:assert/strict';
import { before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import { CONTRACT_COMMANDS, extension } from './helpers';

interface CommandContribution {
  command: string;
  title?: string;
}

function declaredCommands(): CommandContribution[] {
  const pkg = extension().packageJSON as { contributes?: { commands?: CommandContribution[] } };
  return pkg.contributes?.commands ?? [];
}

describe('commands', () => {
  before(async () => {
    await extension().activate();
  });

  it('package.json declares the commands of the contract, each with a title', () => {
    const declared = declaredCommands();
    const ids = declared.map((c) => c.command);
    const missing = CONTRACT_COMMANDS.filter((c) => !ids.includes(c));
    assert.deepEqual(missing, [], `contributes.commands lacks ${missing.join(', ')}`);
    const untitled = declared.filter((c) => !c.title).map((c) => c.command);
    assert.deepEqual(untitled, [], `commands without a title: ${untitled.join(', ')}`);
  });

  it('registers every command declared in contributes.commands', async () => {
    const declared = declaredCommands().map((c) => c.command);
    assert.ok(declared.length > 0, 'contributes.commands is empty');
    const registered = new Set(await vscode.commands.getCommands(true));
    const unregistered = declared.filter((c) => !registered.has(c));
    assert.deepEqual(unregistered, [], `declared but not registered: ${unregistered.join(', ')}`);
  });
});
