/** The mesh command-line tool. */
package io.proxyless.mesh.cli;
