{{/* Chart name, truncated to 63 characters. */}}
{{- define "consentry.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified app name. */}}
{{- define "consentry.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "consentry.selectorLabels" -}}
app.kubernetes.io/name: {{ include "consentry.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "consentry.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "consentry.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* The ConfigMap holding consentry.toml. */}}
{{- define "consentry.configMapName" -}}
{{- default (include "consentry.fullname" .) .Values.config.existingConfigMap }}
{{- end }}

{{- define "consentry.upstream" -}}
{{- if eq .Values.mode "sidecar" }}{{ .Values.sidecar.upstream }}{{ else }}{{ .Values.upstream }}{{ end }}
{{- end }}

{{/* The Consentry container (without restartPolicy). */}}
{{- define "consentry.container" -}}
- name: consentry
  image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"
  imagePullPolicy: {{ .Values.image.pullPolicy }}
  {{- if and (eq .Values.mode "sidecar") .Values.sidecar.native }}
  # A native sidecar: starts before the app containers, stops after them.
  restartPolicy: Always
  {{- end }}
  # The image runs `consentry run` with CONSENTRY_CONFIG pointing at
  # /etc/consentry/consentry.toml; these variables win over the file.
  env:
    - name: CONSENTRY_LISTEN
      value: "0.0.0.0:{{ .Values.ports.proxy }}"
    - name: CONSENTRY_ADMIN_LISTEN
      value: "0.0.0.0:{{ .Values.ports.admin }}"
    - name: CONSENTRY_UPSTREAM
      value: {{ include "consentry.upstream" . | quote }}
    - name: CONSENTRY_LOG_FORMAT
      value: {{ .Values.logFormat | quote }}
    - name: RUST_LOG
      value: {{ .Values.logLevel | quote }}
    {{- with .Values.extraEnv }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  ports:
    - name: proxy
      containerPort: {{ .Values.ports.proxy }}
      protocol: TCP
    - name: admin
      containerPort: {{ .Values.ports.admin }}
      protocol: TCP
  {{- if and (eq .Values.mode "sidecar") .Values.sidecar.native }}
  startupProbe:
    httpGet:
      path: {{ .Values.probes.startup.path }}
      port: admin
    periodSeconds: {{ .Values.probes.startup.periodSeconds }}
    timeoutSeconds: {{ .Values.probes.startup.timeoutSeconds }}
    failureThreshold: {{ .Values.probes.startup.failureThreshold }}
  {{- end }}
  livenessProbe:
    httpGet:
      path: {{ .Values.probes.liveness.path }}
      port: admin
    periodSeconds: {{ .Values.probes.liveness.periodSeconds }}
    timeoutSeconds: {{ .Values.probes.liveness.timeoutSeconds }}
    failureThreshold: {{ .Values.probes.liveness.failureThreshold }}
  readinessProbe:
    httpGet:
      path: {{ .Values.probes.readiness.path }}
      port: admin
    periodSeconds: {{ .Values.probes.readiness.periodSeconds }}
    timeoutSeconds: {{ .Values.probes.readiness.timeoutSeconds }}
    failureThreshold: {{ .Values.probes.readiness.failureThreshold }}
  {{- if gt (int .Values.preStopSleepSeconds) 0 }}
  lifecycle:
    preStop:
      # Let endpoint removal reach every node before SIGTERM; /readyz turns
      # 503 at SIGTERM and requests in flight get shutdown_grace.
      exec:
        command: ["sleep", "{{ .Values.preStopSleepSeconds }}"]
  {{- end }}
  {{- with .Values.resources }}
  resources:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.securityContext }}
  securityContext:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  volumeMounts:
    # The whole directory, not a subPath: ConfigMap edits then reach the
    # file and trigger a hot reload.
    - name: consentry-config
      mountPath: /etc/consentry
      readOnly: true
    {{- with .Values.extraVolumeMounts }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
{{- end }}
