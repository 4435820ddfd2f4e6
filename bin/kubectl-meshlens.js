#!/usr/bin/env node
// `kubectl meshlens ...`: kubectl runs any `kubectl-<name>` executable on PATH as a plugin. Same CLI;
// it names itself `kubectl meshlens` in help and messages.
import "./meshlens.js";
