/**
 * The slim production app {@code runlaw-producers-app.jar}: {@code runlaw gateway} and {@code runlaw import},
 * with this module's runtime classpath only. Built by {@code mvn package} (maven-shade-plugin in
 * {@code producers/pom.xml}); run by {@code ./runlaw gateway|import} and docker-compose's {@code gateway} service.
 */
package dev.runlaw.producers.app;
