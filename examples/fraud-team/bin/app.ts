/** The fraud team's CDK app: `npx cdk synth --app "node --import tsx examples/fraud-team/bin/app.ts"`. */
import { App } from 'aws-cdk-lib';
import { buildFraudPlatform } from '../lib/fraud-platform';

const app = new App();
buildFraudPlatform(app);
app.synth();
