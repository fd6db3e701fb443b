/** chart import (not built yet). */
import type { Command } from "commander";
import type { Registrar } from "../program.js";

export function registerImport(_program: Command, _reg: Registrar): void {}
