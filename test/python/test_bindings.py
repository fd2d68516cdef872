"""The Python package jsii-pacmak generates (npm run package:python, part of npm test).

The generated code is checked here on every machine. Importing it needs the jsii Python runtime
and the Python packages of the peer dependencies (aws-cdk-lib, constructs, cdk8s, cdk8s-plus-27),
which come from PyPI; where they are installed, a small stack is synthesized through the bindings,
otherwise that test is skipped with the command that installs them.
"""
import ast
import json
import os
import pathlib
import py_compile
import subprocess
import sys
import tarfile
import tempfile
import unittest

ROOT = pathlib.Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "build" / "pacmak" / "python"
MODULE = PACKAGE / "src" / "mlops_constructs"


def classes(tree):
    return {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}


def members(cls):
    return {node.name for node in cls.body if isinstance(node, ast.FunctionDef)}


class GeneratedPackage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        init = MODULE / "__init__.py"
        if not init.exists():
            raise AssertionError(f"{init} is missing: run npm run build && npm run package:python")
        cls.tree = ast.parse(init.read_text(encoding="utf-8"))
        cls.classes = classes(cls.tree)

    def test_every_python_file_compiles(self):
        files = list(MODULE.rglob("*.py"))
        self.assertGreater(len(files), 0)
        with tempfile.TemporaryDirectory() as out:
            for f in files:
                py_compile.compile(str(f), cfile=os.path.join(out, f.name + "c"), doraise=True)

    def test_the_public_api_is_there_in_python_names(self):
        expected = {
            "MlProjectStack": set(),
            "MlProjectChart": set(),
            "DatasetStore": {"from_dataset_store_attributes"},
            "DatasetStoreBase": {"grant_read", "grant_write", "dataset_version"},
            "IDatasetStore": {"grant_read", "grant_write", "dataset_version"},
            "ModelRegistry": {"from_model_registry_attributes"},
            "ModelRegistryBase": {"on_model_approved", "grant_pull", "grant_read_artifacts", "grant_register_model"},
            "ComplianceGate": {"apply", "acknowledge_single_region"},
            "MlopsErrors": {"is_validation_error", "validation_error_details"},
            "ManagedPolicyGrantee": {"add_to_policy", "add_to_principal_policy"},
            "ProjectTraining": {"sage_maker", "hyper_pod", "kubernetes"},
            "GpuNodePool": set(),
            "TrainJob": set(),
        }
        for name, methods in expected.items():
            self.assertIn(name, self.classes, f"class {name} is not generated")
            self.assertTrue(methods <= members(self.classes[name]), f"{name} lacks {methods - members(self.classes[name])}")
        # structs become keyword-argument classes
        for struct in ("ProjectIdentityProps", "ValidationErrorDetails", "ComplianceGateOptions", "ManagedPolicyGranteeProps"):
            self.assertIn(struct, self.classes)
        self.assertIn("CompliancePack", self.classes)

    def test_the_jsii_assembly_and_compiled_library_are_bundled(self):
        tarballs = list((MODULE / "_jsii").glob("*.jsii.tgz"))
        self.assertEqual(len(tarballs), 1)
        with tarfile.open(tarballs[0]) as tar:
            names = set(tar.getnames())
        for name in ("package/lib/index.js", "package/.jsii", "package/lib/compliance/compliance-gate.js"):
            self.assertIn(name, names)
        self.assertFalse([n for n in names if n.endswith(".ts") and not n.endswith(".d.ts")], "TypeScript sources are bundled")

    def test_install_requires_the_peers_and_the_jsii_runtime(self):
        setup = (PACKAGE / "setup.py").read_text(encoding="utf-8")
        kwargs = json.loads(setup.split('"""')[1])
        requires = {r.split(">")[0].split("<")[0].split("=")[0].strip() for r in kwargs["install_requires"]}
        for dist in ("aws-cdk-lib", "constructs", "cdk8s", "cdk8s-plus-27", "jsii", "cdk-nag", "cdklabs.cdk-validator-cfnguard"):
            self.assertIn(dist, requires)
        self.assertEqual(kwargs["name"], "mlops-constructs")


    def test_the_readme_snippet_uses_the_generated_names(self):
        readme = (ROOT / "README.md").read_text(encoding="utf-8")
        snippet = readme.split("```python\n", 1)[1].split("```", 1)[0]
        tree = ast.parse(snippet)
        signatures = {}
        for cls in self.classes.values():
            for node in cls.body:
                if isinstance(node, ast.FunctionDef):
                    args = node.args
                    signatures[(cls.name, node.name)] = {a.arg for a in args.args + args.kwonlyargs}
        used = 0
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
            f = call.func
            # mlops.Class(...) or mlops.Class.method(...)
            if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == "mlops":
                key = (f.attr, "__init__")
            elif isinstance(f, ast.Attribute) and isinstance(f.value, ast.Attribute) and getattr(f.value.value, "id", None) == "mlops":
                key = (f.value.attr, f.attr)
            else:
                continue
            self.assertIn(key[0], self.classes, f"README uses mlops.{key[0]}, which is not generated")
            self.assertIn(key, signatures, f"README calls {key[0]}.{key[1]}, which is not generated")
            for kw in call.keywords:
                self.assertIn(kw.arg, signatures[key], f"{key[0]}.{key[1]} has no keyword argument {kw.arg}")
            used += 1
        self.assertGreaterEqual(used, 6)
        # the jsii runtime raises RuntimeError for an error thrown in JavaScript (JSIIError is for
        # faults of the kernel itself), so that is what the snippet catches
        handlers = [h for h in ast.walk(tree) if isinstance(h, ast.ExceptHandler)]
        self.assertEqual([ast.unparse(h.type) for h in handlers], ["RuntimeError"])


APP = r'''
import json, sys
import aws_cdk as cdk
import mlops_constructs as mlops

app = cdk.App(outdir=sys.argv[1])
identity = mlops.ProjectIdentityProps(project="churn", team="growth-ml", stage="dev", cost_centre="CC-1234")
stack = mlops.MlProjectStack(app, "churn-dev", identity=identity)
mlops.ComplianceGate.acknowledge_single_region(stack)
try:
    mlops.MlProjectStack(cdk.App(), "bad", identity=mlops.ProjectIdentityProps(project="Bad_Name", team="t", stage="dev", cost_centre="CC-1"))
    bad = None
except RuntimeError as e:
    bad = mlops.MlopsErrors.validation_error_details(str(e))
app.synth()
print(json.dumps({"code": bad.code if bad else None, "path": bad.construct_path if bad else None}))
'''


class Bindings(unittest.TestCase):
    def test_a_small_stack_synthesizes_through_the_bindings(self):
        try:
            import jsii  # noqa: F401
            import aws_cdk  # noqa: F401
            import constructs  # noqa: F401
            import cdk8s  # noqa: F401
        except ImportError as e:
            self.skipTest(f"{e.name} is not installed (PyPI is unreachable here); a Python user runs: "
                          "pip install aws-cdk-lib constructs cdk8s cdk8s-plus-27 cdk-nag cdklabs.cdk-validator-cfnguard "
                          "./build/pacmak/python  (after npm run build && npm run package:python)")
        with tempfile.TemporaryDirectory() as out:
            env = dict(os.environ, PYTHONPATH=str(PACKAGE / "src"))
            result = subprocess.run([sys.executable, "-c", APP, out], env=env, capture_output=True, text=True, check=True)
            self.assertEqual(json.loads(result.stdout.strip().splitlines()[-1]), {"code": "invalid-identity", "path": "bad"})
            template = json.loads(pathlib.Path(out, "churn-dev.template.json").read_text())
            types = {r["Type"] for r in template["Resources"].values()}
            self.assertIn("AWS::SageMaker::ModelPackageGroup", types)


if __name__ == "__main__":
    unittest.main()
