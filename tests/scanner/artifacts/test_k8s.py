from scanner.artifacts.k8s import collect
from tests.scanner.artifacts.fakes import make_view

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
spec:
  template:
    spec:
      containers:
        - name: api
          livenessProbe:
            httpGet: {path: /health, port: 8000}
          readinessProbe:
            httpGet: {path: /ready, port: 8000}
---
apiVersion: v1
kind: Service
"""

HELM_TEMPLATE = """\
spec:
  containers:
    - name: {{ .Chart.Name }}
      {{- if .Values.probes }}
      livenessProbe:
        {{- toYaml .Values.livenessProbe | nindent 8 }}
      {{- end }}
"""


def test_it_finds_probes_in_manifests_with_lines():
    facts = collect(make_view({"k8s/deployment.yaml": DEPLOYMENT}))
    assert [(p.kind, p.line) for p in facts.probes] == [("livenessProbe", 8),
                                                         ("readinessProbe", 10)]


def test_it_scans_helm_templates_by_line():
    view = make_view({"charts/api/Chart.yaml": "name: api\n",
                      "charts/api/templates/deployment.yaml": HELM_TEMPLATE})
    facts = collect(view)
    assert [(p.path, p.line) for p in facts.probes] == [
        ("charts/api/templates/deployment.yaml", 5)]


def test_it_falls_back_to_lines_for_broken_yaml_and_records_the_error():
    facts = collect(make_view({"deploy/api.yaml": "a: [\n  livenessProbe:\n"}))
    assert facts.errors and facts.probes_of("livenessProbe")


def test_it_ignores_yaml_outside_deployment_folders():
    assert collect(make_view({"config/app.yaml": DEPLOYMENT})).manifests == []
