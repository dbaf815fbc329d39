package io.floe.catalog.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonParseException;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.exceptions.BadRequestException;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.exceptions.CommitStateUnknownException;
import org.apache.iceberg.exceptions.ForbiddenException;
import org.apache.iceberg.exceptions.NamespaceNotEmptyException;
import org.apache.iceberg.exceptions.NoSuchIcebergTableException;
import org.apache.iceberg.exceptions.NoSuchNamespaceException;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.apache.iceberg.exceptions.NoSuchViewException;
import org.apache.iceberg.exceptions.NotAuthorizedException;
import org.apache.iceberg.exceptions.ValidationException;
import org.apache.iceberg.rest.responses.ErrorResponse;
import org.junit.jupiter.api.Test;

class ErrorMapperTest {

  @Test
  void missingThingsAre404() {
    assertThat(ErrorMapper.status(new NoSuchNamespaceException("x"))).isEqualTo(404);
    assertThat(ErrorMapper.status(new NoSuchTableException("x"))).isEqualTo(404);
    assertThat(ErrorMapper.status(new NoSuchIcebergTableException("x"))).isEqualTo(404);
    assertThat(ErrorMapper.status(new NoSuchViewException("x"))).isEqualTo(404);
  }

  @Test
  void conflictsAre409() {
    assertThat(ErrorMapper.status(new AlreadyExistsException("x"))).isEqualTo(409);
    assertThat(ErrorMapper.status(new CommitFailedException("x"))).isEqualTo(409);
    assertThat(ErrorMapper.status(new NamespaceNotEmptyException("x"))).isEqualTo(409);
  }

  @Test
  void invalidInputIs400() {
    assertThat(ErrorMapper.status(new IllegalArgumentException("x"))).isEqualTo(400);
    assertThat(ErrorMapper.status(new ValidationException("x"))).isEqualTo(400);
    assertThat(ErrorMapper.status(new BadRequestException("x"))).isEqualTo(400);
    assertThat(ErrorMapper.status(new JsonParseException(null, "x"))).isEqualTo(400);
  }

  @Test
  void authorisationFailuresAre401And403() {
    assertThat(ErrorMapper.status(new NotAuthorizedException("x"))).isEqualTo(401);
    assertThat(ErrorMapper.status(new ForbiddenException("x"))).isEqualTo(403);
    assertThat(ErrorMapper.status(new UnsupportedOperationException("x"))).isEqualTo(406);
  }

  @Test
  void unknownCommitStateAndAnythingElseAre500() {
    assertThat(ErrorMapper.status(new CommitStateUnknownException(new RuntimeException("x"))))
        .isEqualTo(500);
    assertThat(ErrorMapper.status(new IllegalStateException("x"))).isEqualTo(500);
    assertThat(ErrorMapper.status(new NullPointerException())).isEqualTo(500);
  }

  @Test
  void responseCarriesTypeMessageAndCodeButNoStack() {
    ErrorResponse response =
        ErrorMapper.toResponse(new NoSuchTableException("Table does not exist: db.t"), "ref1");

    assertThat(response.code()).isEqualTo(404);
    assertThat(response.type()).isEqualTo("NoSuchTableException");
    assertThat(response.message()).isEqualTo("Table does not exist: db.t");
    assertThat(response.stack()).isNullOrEmpty();
  }

  @Test
  void missingMessageOfAMappedFailureFallsBackToTheType() {
    assertThat(ErrorMapper.toResponse(new UnsupportedOperationException(), "ref1").message())
        .isEqualTo("UnsupportedOperationException");
  }

  @Test
  void unexpectedFailureShowsOnlyTheReference() {
    ErrorResponse response =
        ErrorMapper.toResponse(
            new IllegalStateException("jdbc:postgresql://db/floe password=hunter2"), "0badcafe");

    assertThat(response.code()).isEqualTo(500);
    assertThat(response.type()).isEqualTo("ServiceFailureException");
    assertThat(response.message())
        .isEqualTo("Internal error (reference 0badcafe); see the server log");
  }

  @Test
  void unknownCommitStateKeepsItsTypeButNotItsMessage() {
    ErrorResponse response =
        ErrorMapper.toResponse(
            new CommitStateUnknownException(new RuntimeException("S3 said: AccessDenied")), "r");

    assertThat(response.code()).isEqualTo(500);
    assertThat(response.type()).isEqualTo("CommitStateUnknownException");
    assertThat(response.message()).doesNotContain("S3", "AccessDenied");
  }

  @Test
  void referencesAreShortAndVary() {
    assertThat(ErrorMapper.newReference()).matches("[0-9a-f]{8}");
    assertThat(ErrorMapper.newReference()).isNotEqualTo(ErrorMapper.newReference());
  }
}
