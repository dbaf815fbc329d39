package io.floe.runner.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The house rules, checked on the compiled classes of all three modules: dependencies run {@code
 * runner → tasks → catalog}; {@code tasks} and the catalog's client side are plain Java (no
 * Vert.x); {@code tasks} never reaches into the catalog service; no package cycles.
 */
class ArchitectureTest {

  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.floe");
  }

  @Test
  void dependenciesRunOneWay() {
    noClasses().that().resideInAPackage("io.floe.tasks..")
        .should().dependOnClassesThat().resideInAPackage("io.floe.runner..")
        .check(classes);
    noClasses().that().resideInAPackage("io.floe.catalog..")
        .should().dependOnClassesThat().resideInAnyPackage("io.floe.tasks..", "io.floe.runner..")
        .check(classes);
    noClasses().that().resideInAPackage("io.floe.auth..")
        .should().dependOnClassesThat().resideInAnyPackage("io.floe.catalog..", "io.floe.tasks..", "io.floe.runner..")
        .because("who is calling is the HTTP services' concern, below both of them")
        .check(classes);
    noClasses().that().resideInAPackage("io.floe.tasks..")
        .should().dependOnClassesThat().resideInAPackage("io.floe.auth..")
        .because("tasks run as the runner, whoever registered the table")
        .check(classes);
  }

  @Test
  void tasksAndTheCatalogClientArePlainJava() {
    noClasses().that().resideInAnyPackage("io.floe.tasks..", "io.floe.catalog.client..", "io.floe.catalog.rules..")
        .should().dependOnClassesThat().resideInAPackage("io.vertx..")
        .because("tasks/ is plain blocking Java; only the runner and the catalog service are Vert.x applications")
        .check(classes);
  }

  @Test
  void tasksUseOnlyTheCatalogsClientSide() {
    noClasses().that().resideInAPackage("io.floe.tasks..")
        .should().dependOnClassesThat().resideInAPackage("io.floe.catalog.service..")
        .check(classes);
  }

  @Test
  void noPackageCycles() {
    slices().matching("io.floe.tasks.(*)..").should().beFreeOfCycles().check(classes);
    slices().matching("io.floe.catalog.(*)..").should().beFreeOfCycles().check(classes);
    slices().matching("io.floe.runner.(*)..").should().beFreeOfCycles().check(classes);
  }
}
