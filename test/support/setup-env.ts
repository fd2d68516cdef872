// Unit tests skip aws-cdk-lib's built-in CloudFormation validation (about 1.2 s and 350 MB a
// process); the platform validation tests turn it back on explicitly.
if (process.env.CDK_VALIDATION === undefined) process.env.CDK_VALIDATION = 'false';
