import authprofile from '../../../schemas/authprofile.schema.json';
import clientregistration from '../../../schemas/clientregistration.schema.json';
import common from '../../../schemas/common.schema.json';
import connection from '../../../schemas/connection.schema.json';
import federation from '../../../schemas/federation.schema.json';
import keystore from '../../../schemas/keystore.schema.json';
import repository from '../../../schemas/repository.schema.json';
import secretstore from '../../../schemas/secretstore.schema.json';
import type { ConfigKind } from './kinds';

/** The schema documents, by file name — the same files `contributes.jsonValidation` gives VS Code. */
export const SCHEMA_FILES: Record<string, object> = {
  'common.schema.json': common,
  'federation.schema.json': federation,
  'secretstore.schema.json': secretstore,
  'authprofile.schema.json': authprofile,
  'clientregistration.schema.json': clientregistration,
  'keystore.schema.json': keystore,
  'repository.schema.json': repository,
  'connection.schema.json': connection,
};

export function schemaFileOf(kind: ConfigKind): string {
  return `${kind}.schema.json`;
}
