// Grants on the interfaces return a Grant that holds everything they granted (issue 7): the
// dataset store's grants, for the whole store and for a zone, on a created and an imported store.
// (The registry's grants are checked the same way in test/registry/model-registry.test.ts.)
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { DatasetStore, IDatasetStore } from '../../lib';
import { canonical, expectStatements, grantStatements } from '../support/iam';

type StoreOf = (s: Stack) => IDatasetStore;

const created: StoreOf = (s) => new DatasetStore(s, 'Data');
const imported: StoreOf = (s) => DatasetStore.fromDatasetStoreAttributes(s, 'Data', {
  bucket: s3.Bucket.fromBucketAttributes(s, 'Bucket', {
    bucketName: 'shared-datasets',
    encryptionKey: kms.Key.fromKeyArn(s, 'Key', 'arn:aws:kms:eu-west-1:111111111111:key/11111111-2222-3333-4444-555555555555'),
  }),
});

describe.each<[string, StoreOf]>([['created', created], ['imported', imported]])('%s DatasetStore grants', (_, storeOf) => {
  test.each<[string, (st: IDatasetStore, role: iam.Role) => iam.Grant]>([
    ['grantRead (store)', (st, role) => st.grantRead(role)],
    ['grantRead (zone)', (st, role) => st.grantRead(role, 'features')],
    ['grantWrite (zone)', (st, role) => st.grantWrite(role, 'raw')],
    ['grantReadWrite (zone)', (st, role) => st.grantReadWrite(role, 'curated')],
    ['datasetVersion().grantRead', (st, role) => st.datasetVersion({ zone: 'features', key: 'v1/train.parquet', versionId: 'abc123' }).grantRead(role)],
  ])('%s returns a Grant holding every statement it added to the role, the key part included', (__, grantOf) => {
    const s = new Stack(new App(), 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
    const store = storeOf(s);
    const role = new iam.Role(s, 'Role', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    const grant = grantOf(store, role);
    expect(grant.success).toBe(true);
    const returned = grant.principalStatements.map((st) => canonical(s.resolve(st.toStatementJson())));
    const granted = grantStatements(Template.fromStack(s), role);
    expect(granted.some((st) => st.Action.some((a) => a.startsWith('kms:')))).toBe(true);
    expectStatements(returned, granted);
  });
});
