import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SLASH_COMMANDS } from '../src/slack/app-options.js';

/**
 * The parts of Slack's manifest schema (slackapi/manifest-schema, schemas/manifest.schema.1.0.0.json)
 * this app uses, with its limits; strict objects because the schema rejects unknown keys.
 */
const ManifestSchema = z.strictObject({
  _metadata: z.strictObject({ major_version: z.literal(1), minor_version: z.number().int().optional() }).optional(),
  display_information: z.strictObject({
    name: z.string().min(1).max(35),
    description: z.string().min(1).max(140),
    background_color: z.string().regex(/^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$/).optional(),
    long_description: z.string().min(175).max(4000).optional(),
  }),
  features: z.strictObject({
    bot_user: z.strictObject({ display_name: z.string().min(1).max(80), always_online: z.boolean() }),
    slash_commands: z
      .array(
        z.strictObject({
          // Slack: starts with "/", lowercase, no spaces, at most 32 characters.
          command: z.string().min(2).max(32).regex(/^\/[a-z0-9][a-z0-9_-]*$/),
          description: z.string().min(1).max(2000),
          usage_hint: z.string().min(1).max(1000),
          should_escape: z.boolean(),
          url: z.string().regex(/^https?:\/\//).max(3000).optional(),
        }),
      )
      .min(1)
      .max(50),
  }),
  oauth_config: z.strictObject({
    scopes: z.strictObject({ bot: z.array(z.string().min(1).max(50)).max(255) }),
  }),
  settings: z.strictObject({
    interactivity: z.strictObject({ is_enabled: z.literal(true), request_url: z.string().optional() }),
    org_deploy_enabled: z.literal(false),
    socket_mode_enabled: z.literal(true),
    token_rotation_enabled: z.literal(false),
  }),
});

const manifestPath = fileURLToPath(new URL('../manifest.yml', import.meta.url));

function loadManifest(): unknown {
  return parse(readFileSync(manifestPath, 'utf8'));
}

describe('manifest.yml', () => {
  it('follows Slack manifest rules (required keys, lengths, command format)', () => {
    const result = ManifestSchema.safeParse(loadManifest());
    expect(result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)).toEqual([]);
  });

  it('asks for exactly the bot scopes the bot uses', () => {
    const manifest = ManifestSchema.parse(loadManifest());
    // usergroups:read: SLACK_RESPONDERS may name user groups, whose members usergroups.users.list gives.
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual(['chat:write', 'chat:write.public', 'commands', 'usergroups:read']);
  });

  it('declares exactly the slash commands the app registers', () => {
    const manifest = ManifestSchema.parse(loadManifest());
    expect(manifest.features.slash_commands.map((command) => command.command).sort()).toEqual([...SLASH_COMMANDS].sort());
  });

  it('would be rejected by the same checks when a rule is broken', () => {
    // Guards the guard: a too-long name and an uppercase command must fail.
    const manifest = loadManifest() as { display_information: { name: string }; features: { slash_commands: Array<{ command: string }> } };
    manifest.display_information.name = 'x'.repeat(36);
    manifest.features.slash_commands[0]!.command = '/LogCode';
    const result = ManifestSchema.safeParse(manifest);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path.join('.')).sort()).toEqual(['display_information.name', 'features.slash_commands.0.command']);
  });
});
