/** chart consent (not built yet). */
import type { Command } from "commander";
import type { Registrar } from "../program.js";

export function registerConsent(_program: Command, _reg: Registrar): void {}
